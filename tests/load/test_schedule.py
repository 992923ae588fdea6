from paychaos.load.schedule import phase_at, plan

PHASES = [
    {"name": "healthy", "share": 1, "users": 1.0, "rules": []},
    {"name": "ramp", "share": 2, "users": 0.1, "users_end": 1.0, "rules": [{"fault": "latency"}]},
    {"name": "recovery", "share": 1, "users": 0.5, "rules": []},
]


def test_plan_scales_shares_to_the_duration_and_users_to_the_peak():
    laid = plan(PHASES, duration_s=20, users=10)
    assert [(p.name, p.start_s, p.end_s, p.users) for p in laid] == [
        ("healthy", 0.0, 5.0, 10), ("ramp", 5.0, 15.0, 1), ("recovery", 15.0, 20.0, 5)]
    assert [p.faulted for p in laid] == [False, True, False]


def test_a_ramp_grows_linearly_and_phase_at_ends_after_the_last_phase():
    ramp = plan(PHASES, duration_s=20, users=10)[1]
    assert ramp.users_at(5.0) == 1 and ramp.users_at(10.0) == 6 and ramp.users_at(15.0) == 10
    laid = plan(PHASES, duration_s=20, users=10)
    assert phase_at(laid, 0).name == "healthy"
    assert phase_at(laid, 14.99).name == "ramp"
    assert phase_at(laid, 20.0) is None


def test_a_spawn_rate_given_in_the_web_form_holds_for_every_phase():
    assert [p.spawn_rate for p in plan(PHASES, duration_s=20, users=10)] == [10.0, 10.0, 5.0]
    assert [p.spawn_rate for p in plan(PHASES, duration_s=20, users=10, spawn_rate=2)] == [2.0, 2.0, 2.0]
