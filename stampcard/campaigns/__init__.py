"""Reaching customers and other systems after the fact: messages, campaigns, automations, referral and outbound
webhooks (``campaigns.webhooks``). Everything here runs in the worker from rows the layers below wrote."""
