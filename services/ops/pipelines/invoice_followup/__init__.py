"""invoice_followup for operators: triggered by command, demonstrated on the seeded company, reported per run."""

from services.ops.parts import OpsPart
from services.ops.pipelines.invoice_followup.demo import demo, report, trigger

PART = OpsPart(demo=demo, report=report, trigger=trigger)
