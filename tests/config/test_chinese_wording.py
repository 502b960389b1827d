"""Labels owners read in Chinese carry no English."""

import pytest
from django.utils import translation

from points.models import Purchase
from rewards.models import Reward
from tiers.models import Tier

PERCENT_OFF_LABELS = [
    (Tier, "retail_discount"),
    (Tier, "wholesale_discount"),
    (Reward, "coupon_percent"),
    (Purchase, "discount_percent"),
]


@pytest.mark.parametrize("language", ["zh-hant", "zh-hans"])
@pytest.mark.parametrize(("model", "field"), PERCENT_OFF_LABELS)
def test_percent_off_labels_are_chinese(language, model, field):
    with translation.override(language):
        label = str(model._meta.get_field(field).verbose_name)
    assert "off" not in label
    assert "百分比" in label
