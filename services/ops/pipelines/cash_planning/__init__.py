"""cash_planning for operators: a check requested by command, demonstrated on the seeded company, reported per run,
and `seamline cash project` to run the projection offline on a QuickBooks-shaped file."""

from services.ops.parts import OpsPart
from services.ops.pipelines.cash_planning.demo import demo, report, trigger
from services.ops.pipelines.cash_planning.project import COMMANDS

PART = OpsPart(demo=demo, report=report, trigger=trigger, commands=COMMANDS)
