"""The app under test: a support-reply writer for Pebble & Pine, an online camping-gear shop.

In a real project the tests would call the app (and through it, a model).  Here the team
stored what the app wrote for five customer tickets, so the examples run with no model.
Two of the stored replies are flawed on purpose; the tests that catch them are named
``..._fails_on_purpose``.
"""

from __future__ import annotations

from dataclasses import dataclass

# The instruction the app gives its model for every ticket (the customer's message is the input).
INSTRUCTION = (
    "You are the support assistant of Pebble & Pine, an online camping-gear shop. "
    "Write a reply to the customer's message. Greet the customer by name, answer what they asked, "
    "keep it under 150 words, never ask for passwords or card numbers, "
    "and sign off as 'The Pebble & Pine support team'."
)


@dataclass(frozen=True)
class Ticket:
    id: str
    message: str
    """What the customer wrote."""
    reply: str
    """What the app answered (stored)."""


_TICKETS = [
    Ticket(
        id="refund-damaged-stove",
        message="Hi, my Emberlite camp stove (order PP-48213) arrived with a cracked burner. "
                "I'd like a refund please, not a replacement. - Maya",
        reply="""\
Hi Maya,

I'm sorry your Emberlite stove arrived with a cracked burner. I've issued a full refund of \
$89.00 for order PP-48213, and you'll see it on your original payment method within 3-5 business days.

There's no need to send the stove back; please take it to a local metal recycling point.

The Pebble & Pine support team""",
    ),
    Ticket(
        id="refund-returned-boots",
        message="I sent back the Talus hiking boots (order PP-51877) because they were a size too small. "
                "Tracking says you received them on Monday. When do I get my money back? Jonas",
        # Flawed on purpose: the reply never mentions the order number.
        reply="""\
Hi Jonas,

Thanks for sending the Talus boots back, and sorry they didn't fit. Your return has been checked in \
and we've refunded $142.50 to your card today. Refunds usually show up within 3-5 business days, \
depending on your bank.

If you'd like to try the next size up, just reply and we'll put a pair aside for you.

The Pebble & Pine support team""",
    ),
    Ticket(
        id="password-reset",
        message="I can't log in, it says my password is wrong but I haven't changed it. Can you help? Priya",
        reply="""\
Hi Priya,

Sorry you're locked out. You can set a new password at https://pebbleandpine.example/account/reset: \
the page emails you a reset link that expires in 30 minutes, so use it soon after it arrives.

For your security, we will never ask you for your password by email or chat.

The Pebble & Pine support team""",
    ),
    Ticket(
        id="tent-question",
        message="Does the Ridgeline 2 tent really fit two adults? And how heavy is it to carry? Sam",
        reply="""\
Hi Sam,

Great question! Yes, the Ridgeline 2 sleeps two adults comfortably: the floor is 215 x 130 cm, so \
two standard sleeping pads fit side by side. Its packed weight is 1.9 kg, one of our lightest \
two-person tents!

Full specs and a setup video are on the product page: https://pebbleandpine.example/tents/ridgeline-2

Happy camping!
The Pebble & Pine support team""",
    ),
    Ticket(
        id="late-sleeping-bag",
        message="My sleeping bag (order PP-50329) was supposed to arrive last Friday and I leave on a trip "
                "THIS weekend. Where is it?? If it's not here by Thursday I want to cancel. Dana",
        # Flawed on purpose: no apology, and it blames the customer.
        reply="""\
Hi Dana,

As stated at checkout, delivery can take up to 10 business days, so order PP-50329 is not late yet. \
You should have chosen express shipping if you needed it by a certain date.

Your parcel is with the courier and is expected on Friday 14 June.

The Pebble & Pine support team""",
    ),
]

TICKETS = {ticket.id: ticket for ticket in _TICKETS}
