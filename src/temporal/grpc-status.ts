import { isGrpcServiceError } from '@temporalio/client';

/** gRPC status codes (grpc/status.proto), named here rather than through a direct @grpc/grpc-js dependency. */
export const GRPC_STATUS = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, INTERNAL: 13 } as const;

/** The gRPC errors in an error's cause chain, outermost first: the client wraps them. */
export function* grpcErrorsIn(error: unknown) {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (isGrpcServiceError(cause)) yield cause;
}
