"""Input parsing for the automation pages; the rules live in automation.services."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from automation.selectors import NO_HOME_STORE
from config import inputs
from members.models import AutomationSettings
from rewards.models import Reward

MAX_BIRTHDAY_POINTS = 1_000_000


class RewardChoiceField(forms.ModelChoiceField):
    """A catalogue reward, named with the tier it is kept for."""

    def label_from_instance(self, reward):
        if reward.min_tier_id:
            return _("%(reward)s (%(tier)s and above)") % {
                "reward": reward.display_name,
                "tier": reward.min_tier.display_name,
            }
        return reward.display_name


class BirthdayGiftsForm(forms.Form):
    """When birthday gifts go out, the default reward, and each active tier's
    points and reward (fields gift_<tier id>_points and gift_<tier id>_reward)."""

    birthday_timing = forms.ChoiceField(
        label=_("Birthday gifts are given"), choices=AutomationSettings.BirthdayTiming.choices
    )
    send_birthday_greetings = forms.BooleanField(label=_("Send birthday greetings"), required=False)

    def __init__(self, *args, tiers, settings_row, gifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = tiers
        chosen = [gift.reward_id for gift in gifts.values() if gift.reward_id]
        chosen.append(settings_row.birthday_reward_id)
        # Switched-off rewards are offered only where they are already chosen.
        rewards = Reward.objects.filter(Q(is_active=True) | Q(pk__in=chosen)).select_related(
            "min_tier"
        )
        self.fields["birthday_reward"] = RewardChoiceField(
            queryset=rewards,
            required=False,
            label=_("Default birthday reward"),
            empty_label=_("None"),
            help_text=_(
                "For every tier that names no reward of its own. A reward with a minimum "
                "tier reaches only members of that tier and above."
            ),
        )
        self.initial.update(
            birthday_timing=settings_row.birthday_timing,
            send_birthday_greetings=settings_row.send_birthday_greetings,
            birthday_reward=settings_row.birthday_reward_id,
        )
        for tier in tiers:
            gift = gifts.get(tier.pk)
            points_label = _("Birthday points for %(tier)s") % {"tier": tier.display_name}
            reward_label = _("Birthday reward for %(tier)s") % {"tier": tier.display_name}
            self.fields[f"gift_{tier.pk}_points"] = inputs.IntegerField(
                label=points_label,
                min_value=0,
                max_value=MAX_BIRTHDAY_POINTS,
                required=False,
                widget=forms.NumberInput(attrs={"aria-label": points_label}),
            )
            self.fields[f"gift_{tier.pk}_reward"] = RewardChoiceField(
                queryset=rewards,
                required=False,
                label=reward_label,
                empty_label=_("The default reward"),
                widget=forms.Select(attrs={"aria-label": reward_label}),
            )
            self.initial[f"gift_{tier.pk}_points"] = gift.points if gift and gift.points else None
            self.initial[f"gift_{tier.pk}_reward"] = gift.reward_id if gift else None

    def rows(self):
        """[(tier, points field, reward field)] for the template."""
        return [
            (tier, self[f"gift_{tier.pk}_points"], self[f"gift_{tier.pk}_reward"])
            for tier in self.tiers
        ]

    def settings(self):
        """The keyword arguments of automation.services.save_birthday_gifts."""
        data = self.cleaned_data
        return {
            "timing": data["birthday_timing"],
            "send_greetings": data["send_birthday_greetings"],
            "default_reward": data["birthday_reward"],
            "gifts": {
                tier: (data[f"gift_{tier.pk}_points"] or 0, data[f"gift_{tier.pk}_reward"])
                for tier in self.tiers
            },
        }


class FollowUpFilterForm(forms.Form):
    """The follow-up list's store filter (shown only with stores to choose)."""

    def __init__(self, data=None, *, stores=(), no_home_store=False):
        super().__init__(data)
        self.stores = {str(store.pk): store for store in stores}
        choices = [("", _("All stores"))]
        choices += [(key, store.display_name) for key, store in self.stores.items()]
        if no_home_store:
            choices.append((NO_HOME_STORE, _("No home store")))
        self.fields["store"] = forms.ChoiceField(label=_("Store"), required=False, choices=choices)

    def clean_store(self):
        value = self.cleaned_data.get("store") or ""
        return NO_HOME_STORE if value == NO_HOME_STORE else self.stores.get(value)
