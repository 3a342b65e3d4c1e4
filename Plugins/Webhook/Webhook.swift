// Module Webhook.
