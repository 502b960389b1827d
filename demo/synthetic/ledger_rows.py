"""Ledger entries and lot draws of the synthetic shop, written as rows.

The generator writes the points ledger itself, as bulk rows, rather than
through the points services, to be fast enough for a million members; the
rules of the rows are the ledger's own (points.ledger: a lot's expiry day by
the shop's policy, the expiry entries' keys and reasons).
`LedgerRows.entry` writes every LedgerEntry row and gives an earning its lot,
`LedgerRows.spend` writes the negative entry and its LotDraw rows, and
`LedgerRows.expire` the nightly expiry run's entries. `MemberState` holds a
member's running balance and lots.
"""

from datetime import date

from points.ledger import expiry_key, expiry_reason, lot_expiry
from points.models import LedgerEntry
from rewards.models import RewardRedemption

Kind = LedgerEntry.Kind


class LedgerRows:
    """The ledger operations of `ShopGenerator`, as the points services do
    them. Uses the generator's `programme` (ProgrammeRules), `rules`, `counts`
    and `next_entry_id`,
    `next_draw_id` and `next_redemption_id`."""

    def entry(self, state, out, kind, points, at, key, reason="", purchase_id=None, **more):
        entry_id = self.next_entry_id
        self.next_entry_id += 1
        lot = more.get("lot", False)
        # `at` is in the shop's time zone, so its date is the shop's day.
        expires_on = lot_expiry(rules=self.programme, earned_on=at.date()) if lot else None
        row = [
            more.get("rule_id"),
            None,
            entry_id,
            state.member_id,
            kind,
            points,
            points if lot else None,
            expires_on,
            at,
            key,
            reason,
            purchase_id,
            None,
            None,
            more.get("redemption_id"),
        ]
        out["entries"].append(row)
        self.counts.ledger_entries += 1
        state.balance += points
        if lot:
            last_day = expires_on or date.max  # a lot that never expires sorts last
            state.lots.append([entry_id, last_day.toordinal(), points, row, at])
        return entry_id

    def behaviour(self, state, out, code, points, at, key):
        rule_id, name = self.rules[code]
        self.entry(
            state, out, Kind.BEHAVIOUR_EARN, points, at, key, name, rule_id=rule_id, lot=True
        )

    def spend(self, state, out, kind, draws, at, key, reason="", purchase_id=None, **more):
        """One negative entry for `draws` [(lot, points)], one LotDraw each."""
        total = sum(take for _lot, take in draws)
        entry_id = self.entry(state, out, kind, -total, at, key, reason, purchase_id, **more)
        for lot, take in draws:
            lot[2] -= take
            lot[3][6] = lot[2]  # the lot row's `remaining`
            out["draws"].append([self.next_draw_id, entry_id, lot[0], take])
            self.next_draw_id += 1
            self.counts.lot_draws += 1
        state.lots = [lot for lot in state.lots if lot[2] > 0]

    @staticmethod
    def first_lots(state, points):
        """Lots are kept in creation order, which is expiry order under the
        year-end policy: the first lots are the ones that expire first."""
        draws, left = [], points
        for lot in state.lots:
            if not left:
                break
            take = min(lot[2], left)
            draws.append((lot, take))
            left -= take
        return draws

    def redeem(self, state, out, points, at, key, purchase_id):
        draws = self.first_lots(state, points)
        reason = f"Sale #{purchase_id}"
        self.spend(state, out, Kind.REDEEM_CASH, draws, at, key, reason, purchase_id)

    def take_reward(self, state, out, reward, at):
        """A catalogue reward handed over at the counter, as redeem_reward
        and fulfil_redemption record it."""
        reward_id, name, cost = reward
        redemption_id = self.next_redemption_id
        self.next_redemption_id += 1
        self.counts.reward_redemptions += 1
        out["redemptions"].append(
            [
                redemption_id,
                state.member_id,
                reward_id,
                1,
                cost,
                RewardRedemption.Source.REDEEMED,
                RewardRedemption.Status.FULFILLED,
                "",
                f"syn-reward-{redemption_id}",
                at,
                None,
                at,
                None,
                None,
                None,
                "",
            ]
        )
        draws = self.first_lots(state, cost)
        key = f"reward-redeem:{redemption_id}"
        self.spend(
            state, out, Kind.REWARD_REDEEM, draws, at, key, name, redemption_id=redemption_id
        )

    def expire(self, state, out, day, at):
        """The nightly run on `day`, as expire_points does it: one entry per
        lot whose last day has passed."""
        for lot in [lot for lot in state.lots if lot[1] < day]:
            expires_on = date.fromordinal(lot[1])
            reason = expiry_reason() % {
                "day": lot[4].date().isoformat(),
                "expiry": expires_on.isoformat(),
            }
            moment = max(at, lot[4])
            self.spend(
                state, out, Kind.EXPIRY, [(lot, lot[2])], moment, expiry_key(lot[0], 0), reason
            )


class MemberState:
    __slots__ = ("member_id", "balance", "lots", "spend_cents", "purchases", "last_purchase_at")

    def __init__(self, member_id):
        self.member_id = member_id
        self.balance = 0
        self.lots = []  # [entry id, expires_on ordinal, remaining, ledger row]
        self.spend_cents = 0
        self.purchases = 0
        self.last_purchase_at = None
