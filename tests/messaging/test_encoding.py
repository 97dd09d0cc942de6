from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engage.messaging.encoding import sms_cost


def test_gsm7_and_ucs2_limits() -> None:
    assert sms_cost("a" * 160) .parts == 1
    assert sms_cost("a" * 161).parts == 2
    assert sms_cost("a" * 306).parts == 2 and sms_cost("a" * 307).parts == 3
    assert sms_cost("¿Dueño?").encoding == "GSM-7", "Spanish fits GSM-7"
    assert sms_cost("[" * 80).units == 160 and sms_cost("[" * 81).parts == 2
    vi = sms_cost("Bạn sở hữu hay thuê nhà?")
    assert vi.encoding == "UCS-2" and vi.parts == 1
    assert sms_cost("a" * 69 + "😀").parts == 2, "an emoji is two UTF-16 units"
    assert sms_cost("中" * 70).parts == 1 and sms_cost("中" * 71).parts == 2
    assert sms_cost("").parts == 0


@given(st.text(max_size=500))
def test_parts_hold_the_text(text: str) -> None:
    cost = sms_cost(text)
    if cost.parts > 1:
        per_part = 153 if cost.encoding == "GSM-7" else 67
        assert (cost.parts - 1) * per_part < cost.units <= cost.parts * per_part
    else:
        assert cost.units <= (160 if cost.encoding == "GSM-7" else 70)
