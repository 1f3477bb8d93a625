"""`python -m bench` (`make bench`): figures for Seamline on this machine. Prints them; asserts nothing.

1. invoice follow-up end to end (six services, real broker, offline drafter, read-only tenant shadow-co):
   throughput and latency from the trigger to each approval request;
2. a bare aiokafka relay chain with the same five hops and message count, and the ratio of the two;
3. resident memory of each service under that load, and the demo's time from a cold start to its first
   approval request;
4. the size of the prompt the reasoning service sends per item.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
from pathlib import Path

from bench.chain import HOPS, run_chain
from bench.pipeline import demo_time_to_first_approval, run_followup, summarize
from bench.prompt import PromptSize, contract_prompt, followup_prompt
from services.ops.stack import REPO, StackConfig


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    )  # fmt: skip
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    memory = f"{mem_kib / 1024 / 1024:.1f} GiB RAM"
    return f"{os.cpu_count()} CPUs ({cpu}), {memory}, Python {platform.python_version()}"


def _database(url: str, number: int) -> str:
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{number}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--invoices", type=int, default=10_000, help="invoices seeded in the QuickBooks sandbox")
    parser.add_argument("--customers", type=int, default=None, help="default: invoices / 25, at least 40")
    parser.add_argument("--offset", type=int, default=3000, help="port offset of the bench stack")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a run may take")
    parser.add_argument("--skip-demo", action="store_true", help="skip the cold-start measurement")
    parser.add_argument(
        "--kafka",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        or os.environ.get("SEAMLINE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL") or os.environ.get("SEAMLINE_REDIS_URL", "redis://127.0.0.1:16379/0"),
    )
    return parser.parse_args()


def _print_prompt(size: PromptSize | None, label: str) -> None:
    if size is None:
        print(f"  {label}: n/a")
        return
    users = sorted(size.user_chars)
    print(f"  {label} ({size.name}):")
    print(f"    system prompt {size.system_chars} chars, tool schema {size.tool_chars} chars, "
          f"user turn {users[0]}-{users[-1]} chars (median {users[len(users) // 2]})")  # fmt: skip
    print(f"    total per call ~{size.median_total:.0f} chars = ~{size.median_total / 4:.0f} tokens "
          "(estimate: chars/4, not a tokenizer count)")  # fmt: skip
    if size.note:
        print(f"    {size.note}")
    print(f"    fields: {', '.join(size.fields)}")


async def main(args: argparse.Namespace) -> None:
    customers = args.customers or max(40, args.invoices // 25)
    config = StackConfig(
        kafka=args.kafka,
        redis_url=_database(args.redis, 4),
        tenant="shadow-co",
        offset=args.offset,
        log_dir=REPO / ".run" / "bench-logs",
    )
    print(f"machine: {machine()}")
    print(f"broker {config.kafka}, stack ports +{config.offset}, tenant {config.tenant} (read-only), "
          "offline drafter")  # fmt: skip
    print()

    print(f"[1] invoice follow-up end to end: {args.invoices} invoices, {customers} customers ...", flush=True)
    run = await run_followup(config, args.invoices, customers, args.timeout)
    print(f"  fetched {run.fetched} overdue invoices; approval requests {run.approvals}, "
          f"skipped {run.skipped}, dead letters {run.dead_letters}")  # fmt: skip
    print(f"  trigger -> last approval request: {run.seconds_to_last_approval:.1f}s "
          f"(of which trigger -> first raw invoice published, the QuickBooks fetch: "
          f"{run.seconds_to_first_raw:.1f}s)")  # fmt: skip
    print(f"  throughput: {run.approvals_per_s:.1f} approval requests/s from the trigger "
          f"({run.fetched_per_s:.1f} fetched invoices/s); "
          f"{run.approvals_per_s_after_fetch:.1f}/s after the fetch")  # fmt: skip
    print(f"  latency trigger -> approval request: {summarize(run.latencies_s)}")
    print(f"  mean raw message size: {run.raw_message_bytes:.0f} bytes")
    print()

    messages = run.approvals or args.invoices
    payload = round(run.raw_message_bytes) or 1024
    print(f"[2] bare aiokafka relay chain: {HOPS} hops, {messages} messages of {payload} bytes ...", flush=True)
    chain = await run_chain(config.kafka, messages, payload, args.timeout)
    print(f"  first send -> last arrival: {chain.seconds_to_last:.1f}s")
    print(f"  throughput: {chain.per_s:.1f} messages/s")
    print(f"  latency first send -> arrival: {summarize(chain.latencies_s)}")
    if chain.per_s:
        print(f"  ratio pipeline/relay throughput: {run.approvals_per_s / chain.per_s:.3f} from the trigger, "
              f"{run.approvals_per_s_after_fetch / chain.per_s:.3f} after the fetch")  # fmt: skip
    print()

    print("[3] resident memory (VmRSS) per service, idle before the trigger -> peak during the run:")
    for name, peak in run.peak_rss_kib.items():
        print(f"  {name:<11} {run.idle_rss_kib.get(name, 0) / 1024:6.1f} MiB -> {peak / 1024:6.1f} MiB")
    print(f"  all six at peak: {sum(run.peak_rss_kib.values()) / 1024:.0f} MiB")
    if not args.skip_demo:
        demo = await demo_time_to_first_approval(
            StackConfig(
                kafka=args.kafka,
                redis_url=_database(args.redis, 4),
                offset=args.offset,
                log_dir=REPO / ".run" / "bench-logs",
            )
        )
        print(f"  demo (200 invoices) cold start to first approval request: {demo.total_s:.1f}s "
              f"(stack up {demo.stack_up_s:.1f}s, "
              f"trigger -> first request {demo.trigger_to_first_approval_s:.1f}s)")  # fmt: skip
    print()

    print("[4] prompt size per LLM call (as services/reasoning builds it):")
    _print_prompt(followup_prompt(run.decided) if run.decided else None, "follow-up draft")
    _print_prompt(contract_prompt(), "contract review, per chunk")


def _exit_on_sigterm(*_: object) -> None:
    raise SystemExit(143)  # unwinds through the finally blocks that stop the stack and the relay hops


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    asyncio.run(main(parse_args()))
