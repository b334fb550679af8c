"""More of the app under test: it drafts a reply, revises it from feedback, and picks one of several drafts.

In a real project ``ReplyWriter`` would send the ticket (and, on a revision, the feedback) to a
model.  Here it stands in for one: it keeps a first draft and applies the revisions a model made
when the feedback asked for them, so the examples run with no model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SIGN_OFF = "The Pebble & Pine support team"


@dataclass
class ReplyWriter:
    first_draft: str
    revisions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """What the feedback names (a phrase of a failed question) -> (text to replace, replacement)."""
    listens: bool = True
    """False: the writer ignores feedback and sends the first draft again (a bug the tests catch)."""

    def __call__(self, feedback: str | None) -> str:
        """The app's entry point: ``None`` for a first reply, else the feedback to revise it by."""
        reply = self.first_draft
        if feedback is None or not self.listens:
            return reply
        for named, (old, new) in self.revisions.items():
            if named in feedback:
                reply = reply.replace(old, new)
        return reply


BOOTS_WRITER = ReplyWriter(
    first_draft=f"""\
Hi Jonas,

Thanks for sending the Talus boots back, and sorry they didn't fit. Your return has been checked in \
and we've refunded $142.50 to your card today.

{SIGN_OFF}""",
    revisions={
        "order number": ("Your return has", "Your return of order PP-51877 has"),
        "business days": ("to your card today.", "to your card today; it usually shows up within 3-5 business days."),
    },
)
"""The reply to Jonas's returned boots: the first draft leaves out the order number and the timeline."""


def pick_longest(drafts: list[str]) -> int:
    """How the app chooses among drafts today: the longest one (the tests check that choice)."""
    return max(range(len(drafts)), key=lambda index: (len(drafts[index]), -index))


STOVE_DRAFTS = [
    f"""\
Hi Maya,

I'm sorry your Emberlite stove arrived with a cracked burner. I've issued a full refund of $89.00 for \
order PP-48213, and you'll see it on your original payment method within 3-5 business days.

{SIGN_OFF}""",
    f"Hi Maya,\n\nSorry about the cracked burner. Your refund of $89.00 for order PP-48213 is on its way.\n\n{SIGN_OFF}",
    f"Hi Maya,\n\nSorry about the stove. Order PP-48213 is refunded within 3-5 business days.\n\n{SIGN_OFF}",
]

LATE_BAG_DRAFTS = [
    f"""\
Hi Dana,

As stated at checkout, delivery can take up to 10 business days, so order PP-50329 is not late yet. \
You should have chosen express shipping if you needed it by a certain date. Your parcel is with the \
courier and is expected on Friday 14 June.

{SIGN_OFF}""",
    f"""\
Hi Dana,

I'm sorry your sleeping bag is late. Order PP-50329 is with the courier and is expected on Friday \
14 June, in time for your trip.

{SIGN_OFF}""",
    f"Hi Dana,\n\nSorry for the wait! Your parcel is on its way.\n\n{SIGN_OFF}",
]
