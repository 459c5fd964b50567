package collectors

import "context"

// EmitDescription streams what an API description yields into sink, in
// the order the ingest service expects: the API, its API-scope evidence
// (evidence[0]), then each endpoint followed by its own evidence
// (evidence[i+1] for endpoints[i]). The context is checked every 256
// endpoints, so a huge description stops promptly when cancelled.
func EmitDescription(ctx context.Context, sink Sink, api API, evidence []Evidence, endpoints []Endpoint) error {
	if err := sink.API(api); err != nil {
		return err
	}
	if err := sink.Evidence(evidence[0]); err != nil {
		return err
	}
	for i, ep := range endpoints {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := sink.Endpoint(ep); err != nil {
			return err
		}
		if err := sink.Evidence(evidence[i+1]); err != nil {
			return err
		}
	}
	return nil
}
