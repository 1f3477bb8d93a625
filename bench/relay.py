"""One bare relay hop: consume a topic, produce each record to the next, commit after the sends are acked.

`python -m bench.relay BOOTSTRAP SOURCE TARGET GROUP` prints "ready" once it owns partitions, then relays
until SIGTERM. No framework, no envelope, no validation: the baseline for the pipeline's cost per hop.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def relay(bootstrap: str, source: str, target: str, group: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The same delivery settings as the services: idempotent producer, acks=all, commit after the output.
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        print("ready", flush=True)  # the parent process waits for this line
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100, max_records=500)
            sends = [
                await producer.send(target, record.value, key=record.key)
                for records in batch.values()
                for record in records
            ]
            if sends:
                await asyncio.gather(*sends)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(relay(*sys.argv[1:5]))
