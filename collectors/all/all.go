// Package all registers every collector: import it for its side effect.
// Adding a collector is one folder plus one line here.
package all

import (
	_ "github.com/posture-dev/posture/collectors/awsapigw" // AWS API Gateway exports (spec and gateway)
	_ "github.com/posture-dev/posture/collectors/envoy"    // Envoy static bootstrap
	_ "github.com/posture-dev/posture/collectors/graphql"  // GraphQL SDL
	_ "github.com/posture-dev/posture/collectors/kong"     // Kong decK files and Admin API
	_ "github.com/posture-dev/posture/collectors/nginx"    // nginx configuration
	_ "github.com/posture-dev/posture/collectors/openapi"  // OpenAPI 3.x and Swagger 2.0
	_ "github.com/posture-dev/posture/collectors/protobuf" // protobuf / gRPC services
	_ "github.com/posture-dev/posture/collectors/tyk"      // Tyk API definitions (classic and OAS)
)
