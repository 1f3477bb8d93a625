"""ap_matching for operators: demonstrated with QuickBooks' signed webhooks for the seeded bills, reported per
run, and `seamline ap check` to match one bill offline from QuickBooks-shaped JSON files."""

from services.ops.parts import OpsPart
from services.ops.pipelines.ap_matching.check import COMMANDS
from services.ops.pipelines.ap_matching.demo import demo, report

PART = OpsPart(demo=demo, report=report, commands=COMMANDS)
