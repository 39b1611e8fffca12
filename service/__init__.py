"""The gRPC layer: servicers, proto <-> domain mapping, error mapping, settings. The only layer that knows grpc."""
