# Local infrastructure targets; `include infra/stack.mk` from the top-level Makefile (cwd = repo root).
# Every target is idempotent: infra-up twice is a no-op the second time, infra-down with nothing running is fine.
# Bring-your-own: KAFKA_BOOTSTRAP_SERVERS / REDIS_URL make *-up only check readiness and *-down do nothing.

PYTHON ?= python3
export PYTHON

.PHONY: kafka-up kafka-down kafka-status redis-up redis-down redis-status infra-up infra-down infra-status

kafka-up:
	@bash infra/kafka/kafka.sh start

kafka-down:
	@bash infra/kafka/kafka.sh stop

kafka-status:
	@printf 'kafka: '; bash infra/kafka/kafka.sh status

redis-up:
	@bash infra/redis/redis.sh start

redis-down:
	@bash infra/redis/redis.sh stop

redis-status:
	@printf 'redis: '; bash infra/redis/redis.sh status

infra-up: redis-up kafka-up

infra-down: kafka-down redis-down

infra-status: kafka-status redis-status
