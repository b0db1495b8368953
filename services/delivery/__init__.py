"""Delivery of a production: the object-locked package, the signed webhook, the mail notice.

Plain functions and classes over injected clients; the Temporal activities wrap them.
Everything here is blocking (boto3, smtplib, httpx sync): async callers use threads.
"""
