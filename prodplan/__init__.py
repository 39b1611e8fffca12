"""Generated protobuf and gRPC code for the prodplan API (see proto/). Never edited by hand."""
