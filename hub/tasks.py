from celery import shared_task

from hub import services


@shared_task(name="hub.tasks.worker_heartbeats_prune")
def worker_heartbeats_prune() -> int:
    return services.worker_heartbeats_prune()
