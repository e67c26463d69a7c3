"""A mail backend for the tests: the locmem outbox, except that the server refuses
every address with "broken" in it (as an SMTP server refuses a recipient)."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.recipients() if "broken" in a]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    dict.fromkeys(refused, (550, b"mailbox unavailable")))
        return super().send_messages(messages)
