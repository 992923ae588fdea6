from paychaos.common.masking import count_pans, luhn_ok, mask_obj, mask_pan, mask_text, whole_card_numbers


def test_mask_pan_keeps_first_six_and_last_four():
    assert mask_pan("4242424242424242") == "424242******4242"
    assert mask_pan("3782 822463 10005") == "378282*****0005"


def test_mask_text_masks_numbers_inside_prose_but_not_short_ones():
    text = "card 4000 0000 0000 0002 declined, order 12345, amount 1999"
    assert mask_text(text) == "card 400000******0002 declined, order 12345, amount 1999"


def test_mask_obj_walks_nested_structures():
    data = {"card": {"number": "4242424242424242"}, "list": ["x 5555555555554444"], "n": 4}
    masked = mask_obj(data)
    assert masked == {"card": {"number": "424242******4242"}, "list": ["x 555555******4444"], "n": 4}


def test_count_pans_counts_whole_card_numbers_only():
    assert count_pans("card 4242424242424242 and 5555 5555 5555 4444, order 12345") == 2
    assert count_pans("424242******4242") == 0


def test_luhn_and_whole_card_numbers():
    assert luhn_ok("4242424242424242") and luhn_ok("4000 0000 0000 0002")
    assert not luhn_ok("4242424242424241") and not luhn_ok("")
    assert whole_card_numbers("pay 4242 4242 4242 4242 or 4242424242424241, ref 1234567890123") == [
        "4242 4242 4242 4242"]


def test_mask_obj_masks_card_numbers_in_keys_and_numbers():
    data = {"metadata": {"4242424242424242": "x", "order": 4242424242424242, "amount": 1299,
                         "f": 4242424242424242.0, "big": 10 ** 30, "neg": -5555555555554444}}
    assert mask_obj(data)["metadata"]["order"] == 4242424242424242  # numbers are opt-in
    masked = mask_obj(data, numbers=True)["metadata"]
    assert "424242******4242" in masked and "4242424242424242" not in masked
    assert masked["order"] == "424242******4242" and masked["amount"] == 1299
    assert "4242424242424242" not in str(masked["f"]) and masked["big"] == 10 ** 30
    assert "5555555555554444" not in str(masked["neg"])


def test_mask_text_masks_secrets_keeping_prefix_and_last_four():
    text = "key sk_test_51Habcdefghij1234, live sk_live_zzzzzzzz9876, rk_test_abcdefgh5678 whsec_paychaos_test"
    masked = mask_text(text)
    assert "sk_test_" + "*" * 13 + "1234" in masked and "sk_live_********9876" in masked
    assert "rk_test_********5678" in masked and "whsec_*********test" in masked
    for secret in ("51Habcdefghij", "zzzzzzzz", "paychaos_te"):
        assert secret not in masked
    assert mask_text("whsec_short!") == "whsec_*****!"
    assert mask_text("the task_test_plan and risk_management notes") == "the task_test_plan and risk_management notes"


def test_digits_inside_an_identifier_are_not_a_whole_card_number_but_are_still_masked():
    from paychaos.common.masking import count_pans, mask_text
    text = "Request req_4242424242424242: card 4242424242424242 declined"
    assert count_pans(text) == 1                       # the free-standing one only
    assert "4242424242424242" not in mask_text(text)   # masking stays conservative
