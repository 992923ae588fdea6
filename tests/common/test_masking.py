from simulator.common.masking import count_pans, luhn_ok, mask_obj, mask_pan, mask_text, whole_card_numbers


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
