"""An email backend that refuses the first N messages, like a mail server having a bad minute."""

from smtplib import SMTPException

from django.core.mail.backends.locmem import EmailBackend

state = {"failures_left": 0, "calls": 0}


class FlakyBackend(EmailBackend):
    def send_messages(self, messages):
        state["calls"] += 1
        if state["failures_left"] > 0:
            state["failures_left"] -= 1
            raise SMTPException("451 Temporary local problem - please try later")
        return super().send_messages(messages)
