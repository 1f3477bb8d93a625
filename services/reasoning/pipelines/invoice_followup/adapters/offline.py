"""The drafter used when no ANTHROPIC_API_KEY is set: fixed wording per stage, facts inserted verbatim."""

from __future__ import annotations

from collections.abc import Mapping

from services.reasoning.llm import Prompt
from services.reasoning.pipelines.invoice_followup.domain import Draft

_OPENING = {
    "gentle": "This is a friendly reminder that invoice {invoice_number} for {currency} {amount_due} was due on "
    "{due_date}. If it has already been paid, please disregard this note.",
    "firm": "Our records show that invoice {invoice_number} for {currency} {amount_due}, due on {due_date}, "
    "remains unpaid. Please arrange payment at your earliest convenience.",
    "final": "Invoice {invoice_number} for {currency} {amount_due} has been outstanding since {due_date}. "
    "This is our final reminder before we escalate the matter internally.",
    "escalate": "Invoice {invoice_number} for {currency} {amount_due}, due on {due_date}, is still unpaid and "
    "your account is now under review. Please contact us about payment.",
}
_SUBJECT = {
    "gentle": "Friendly reminder: invoice {invoice_number}",
    "firm": "Payment request: invoice {invoice_number}",
    "final": "Final reminder: invoice {invoice_number}",
    "escalate": "Account review: invoice {invoice_number}",
}


class OfflineDrafter:
    model = "offline-drafter"

    async def draft_followup(self, prompt: Prompt, facts: Mapping[str, str | int | None]) -> Draft:
        stage = str(facts["stage"])
        lines = [f"Dear {facts['customer_name']},", "", _OPENING[stage].format(**facts)]
        if facts.get("broken_promise_date"):
            lines.append(f"We had noted a promise of payment by {facts['broken_promise_date']}.")
        lines += ["", "Thank you,", str(facts["sender_name"])]
        return Draft(
            subject=_SUBJECT[stage].format(**facts),
            body="\n".join(lines),
            model=self.model,
            input_tokens=0,
            output_tokens=0,
        )
