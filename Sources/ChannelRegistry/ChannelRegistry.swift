// Module ChannelRegistry.
