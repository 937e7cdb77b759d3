"""One module per site kind: index, CSDL TTHC, mailbox, payment gateway, SSO, portals and DVC vendors."""
