// Module Portal.
