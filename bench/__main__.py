"""`python -m bench` (`make bench`): figures for Seamline on this machine. Prints them; asserts nothing.

1. invoice follow-up end to end (six services, real broker, offline drafter, read-only tenant shadow-co):
   throughput and latency from the trigger to each approval request;
2. a bare aiokafka relay chain with the same five hops and message count, and the ratio of the two;
3. resident memory of each service under that load, and the demo's time from a cold start to its first
   approval request;
4. the size of the prompt the reasoning service sends per item;
5. AP matching end to end: N bills generated in the QuickBooks sandbox, delivered as signed Intuit webhooks,
   matched and routed (read-only tenant bench-co); bills/s from the first webhook to the last approval request,
   latency per bill, QuickBooks calls per bill, CPU time and memory of each process.

`--only followup` runs 1-4, `--only ap` runs 5.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
from collections.abc import Mapping
from pathlib import Path

from bench.ap_matching import ApRun, bench_config, bench_tenants, run_ap_matching, temporary_tenants
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
    parser.add_argument("--only", choices=("followup", "ap"), help="run only invoice follow-up (1-4) or AP (5)")
    parser.add_argument("--bills", type=int, default=10_000, help="AP bills generated in the QuickBooks sandbox")
    parser.add_argument("--vendors", type=int, default=None, help="default: bills / 20, at least 1")
    parser.add_argument(
        "--mix",
        choices=("mixed", "matched"),
        default="mixed",
        help="mixed: 1 bill in 5 departs from its order; matched: every bill fully matched",
    )
    parser.add_argument("--webhook-batch", type=int, default=100, help="bills per Intuit webhook")
    parser.add_argument("--webhook-concurrency", type=int, default=2, help="webhooks in flight at once")
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
    print(f"machine: {machine()}")
    if args.only != "ap":
        await followup(args)
    if args.only != "followup":
        await ap_matching(args)


async def followup(args: argparse.Namespace) -> None:
    customers = args.customers or max(40, args.invoices // 25)
    config = StackConfig(
        kafka=args.kafka,
        redis_url=_database(args.redis, 4),
        tenant="shadow-co",
        offset=args.offset,
        log_dir=REPO / ".run" / "bench-logs",
    )
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
    print()


async def ap_matching(args: argparse.Namespace) -> None:
    vendors = args.vendors or max(1, args.bills // 20)
    with temporary_tenants() as directory:
        config = bench_config(args.kafka, _database(args.redis, 5), args.offset, bench_tenants(Path(directory)))
        print(f"[5] AP matching end to end: {args.bills} bills ({args.mix}), {vendors} vendors, tenant "
              f"{config.tenant} (read-only), offline explainer, broker {config.kafka}, ports +{config.offset} ...",
              flush=True)  # fmt: skip
        run = await run_ap_matching(
            config, args.bills, vendors, args.mix,
            batch=args.webhook_batch, concurrency=args.webhook_concurrency, timeout_s=args.timeout,
        )  # fmt: skip
    _print_ap(run, args.webhook_batch)


def _counts(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _print_ap(run: ApRun, batch: int) -> None:
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(run.webhook_statuses.items()))
    print(f"  generated: {_counts(run.intended)}")
    print(f"  delivered: {run.webhooks} signed webhooks (CloudEvents, up to {batch} bills each; answered {statuses}), "
          f"{run.events_delivered} bill events, in {run.seconds_delivering:.1f}s")  # fmt: skip
    print(f"  approval requests {run.approvals} (repeated {run.duplicate_requests}), dead letters {run.dead_letters}; "
          f"outcome as generated for {run.as_generated} of {run.bills}")  # fmt: skip
    print(f"    outcomes: {_counts(run.outcomes)}")
    print(f"    exception kinds: {_counts(run.exception_kinds) or '-'}")
    print(f"    routes: {_counts(run.routes)}")
    print(f"  first webhook -> last approval request: {run.seconds_to_last_approval:.1f}s "
          f"(-> first approval request {run.seconds_to_first_approval:.1f}s)")  # fmt: skip
    print(f"  throughput: {run.bills_per_s:.1f} bills/s from the first webhook to the last approval request")
    print(f"  latency bill received -> approval request: {summarize(run.latencies_s)}")
    print(f"  QuickBooks calls: {run.qbo_calls_per_bill:.2f} per bill ({_counts(run.qbo_requests)}); "
          f"mean approval request {run.request_bytes:.0f} bytes")  # fmt: skip
    print("  per stage (time a bill spent from the previous stage's message to this one's; mean message size):")
    for stage in run.stages:
        print(f"    {stage.name:<19} {summarize(stage.latencies_s)}; last message at {stage.last_s:.1f}s; "
              f"{stage.mean_bytes:.0f} bytes")  # fmt: skip
    print("  CPU seconds during the run (first webhook to last approval request), and resident memory idle -> peak:")
    for name, seconds in run.cpu_s.items():
        memory = ""
        if name in run.peak_rss_kib:
            memory = (f"  {run.idle_rss_kib.get(name, 0) / 1024:6.1f} MiB -> "
                      f"{run.peak_rss_kib[name] / 1024:6.1f} MiB")  # fmt: skip
        print(f"    {name:<11} {seconds:7.1f}s{memory}")
    print(f"  all six services at peak: {sum(run.peak_rss_kib.values()) / 1024:.0f} MiB")


def _exit_on_sigterm(*_: object) -> None:
    raise SystemExit(143)  # unwinds through the finally blocks that stop the stack and the relay hops


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    asyncio.run(main(parse_args()))
