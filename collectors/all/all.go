// Package all registers every collector: import it for its side effect.
// Adding a collector is one folder plus one line here.
package all

import (
	_ "github.com/posture-dev/posture/collectors/awsapigw"       // AWS API Gateway exports (spec and gateway)
	_ "github.com/posture-dev/posture/collectors/envoy"          // Envoy static bootstrap
	_ "github.com/posture-dev/posture/collectors/graphql"        // GraphQL SDL
	_ "github.com/posture-dev/posture/collectors/kong"           // Kong decK files and Admin API
	_ "github.com/posture-dev/posture/collectors/logs/accesslog" // access logs (nginx, Apache, Envoy, Kong, AWS)
	_ "github.com/posture-dev/posture/collectors/nginx"          // nginx configuration
	_ "github.com/posture-dev/posture/collectors/openapi"        // OpenAPI 3.x and Swagger 2.0
	_ "github.com/posture-dev/posture/collectors/protobuf"       // protobuf / gRPC services
	_ "github.com/posture-dev/posture/collectors/scan/burp"      // Burp Suite XML and JSON exports
	_ "github.com/posture-dev/posture/collectors/scan/crunch42"  // 42Crunch API audit reports
	_ "github.com/posture-dev/posture/collectors/scan/generic"   // posture's generic findings JSON/CSV
	_ "github.com/posture-dev/posture/collectors/scan/gitlab"    // GitLab security reports (API fuzzing, DAST)
	_ "github.com/posture-dev/posture/collectors/scan/gosec"     // gosec JSON
	_ "github.com/posture-dev/posture/collectors/scan/nuclei"    // Nuclei JSON / JSONL
	_ "github.com/posture-dev/posture/collectors/scan/sarif"     // SARIF 2.1.0 from any tool
	_ "github.com/posture-dev/posture/collectors/scan/semgrep"   // Semgrep JSON
	_ "github.com/posture-dev/posture/collectors/scan/trivy"     // Trivy JSON
	_ "github.com/posture-dev/posture/collectors/scan/wapiti"    // Wapiti XML
	_ "github.com/posture-dev/posture/collectors/scan/zap"       // OWASP ZAP XML and JSON
	_ "github.com/posture-dev/posture/collectors/tyk"            // Tyk API definitions (classic and OAS)
)
