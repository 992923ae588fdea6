import json
import subprocess
import sys

import pytest

from paychaos.common.errors import InputError
from paychaos.load import profiles
from paychaos.proxies.rules import parse_rules

BUILT_IN = {"steady", "flash-sale", "brownout", "latency-storm", "decline-wave"}

# Imports each profile the way Locust does (locust first) and prints its user and shape classes.
_PROBE = """
import json, sys, importlib.util
import locust
from locust.util.load_locustfile import load_locustfile
out = {}
for path in sys.argv[1:]:
    users, shapes = load_locustfile(path)
    out[path] = {"users": sorted(users), "shapes": [type(s).__name__ for s in shapes],
                 "phases": [s.phases for s in shapes], "cards": [u.cards for u in users.values()]}
print(json.dumps(out))
"""


def test_every_profile_the_issue_names_is_built_in_with_a_summary():
    found = profiles.available()
    assert set(found) == BUILT_IN
    assert all(p.summary and 0 < p.threshold <= 100 for p in found.values())


def test_profiles_resolve_by_either_spelling_and_unknown_names_list_the_valid_ones():
    assert profiles.resolve("flash_sale").name == "flash-sale"
    assert profiles.resolve(None).name == "brownout"
    with pytest.raises(InputError) as err:
        profiles.resolve("brownuot")
    text = str(err.value)
    assert "PROFILE" in text and "did you mean 'brownout'" in text and "latency-storm" in text


def test_each_profile_loads_in_locust_with_one_customer_one_shape_and_valid_fault_rules():
    paths = [str(p.path) for p in profiles.available().values()]
    done = subprocess.run([sys.executable, "-c", _PROBE, *paths], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    for path, info in loaded.items():
        assert info["users"] == ["Customer"], path
        assert len(info["shapes"]) == 1, path
        (phases,) = info["phases"]
        assert len(phases) >= 1
        for i, phase in enumerate(phases):
            parse_rules(phase["rules"], source=path, field=f"phases[{i}].rules")  # raises if the proxy would refuse
        assert abs(sum(info["cards"][0].values()) - 1.0) < 1e-9
    brownout = loaded[str(profiles.resolve("brownout").path)]["phases"][0]
    assert [p["name"] for p in brownout] == ["healthy", "brownout-30pct-5xx", "full-outage", "recovery"]
