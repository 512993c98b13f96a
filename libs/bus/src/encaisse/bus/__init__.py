"""The Encaisse bus on aio-pika: topology, publisher, outbox relay, consumer, dead letters."""
