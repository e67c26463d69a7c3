from smtplib import SMTPException

from celery import shared_task

from hub import services


@shared_task(name="hub.tasks.worker_heartbeats_prune")
def worker_heartbeats_prune() -> int:
    return services.worker_heartbeats_prune()


@shared_task(name="hub.tasks.email_verification_mail", autoretry_for=(SMTPException, OSError),
             retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def email_verification_mail(user_id: int, address: str) -> bool:
    return services.email_verification_mail(user_id=user_id, address=address)
