"""The WeChat Official Account channel (公众号): the callback at /wechat (plaintext or 安全模式),
one turn per message, replies as customer-service messages, and its sender."""
