"""The WeChat API: the shared access token (stable_token), customer-service, template and
subscription messages, media, the menu; errors by code."""
