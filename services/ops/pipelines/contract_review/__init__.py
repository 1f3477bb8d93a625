"""contract_review for operators: started by the CRM's closed-won webhooks, so there is no trigger command."""

from services.ops.parts import OpsPart
from services.ops.pipelines.contract_review.demo import demo, report

PART = OpsPart(demo=demo, report=report)
