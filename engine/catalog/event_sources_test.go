package catalog

import (
	"strings"
	"testing"
)

// eventSourceExceptions is every CloudTrail event source whose first label
// is not its IAM service prefix, with that prefix: from the SDK models'
// endpoint prefixes and iann0036/iam-dataset's map of CloudTrail event
// sources (engine/catalog/README.md). The test keeps the embedded catalog
// and this list equal, both ways.
var eventSourceExceptions = [][2]string{
	{"a2i-runtime.sagemaker.amazonaws.com", "sagemaker"},
	{"agreement-marketplace.amazonaws.com", "aws-marketplace"},
	{"amazonmq.amazonaws.com", "mq"},
	{"api.detective.amazonaws.com", "detective"},
	{"api.ecr-public.amazonaws.com", "ecr-public"},
	{"api.ecr.amazonaws.com", "ecr"},
	{"api.elastic-inference.amazonaws.com", "elastic-inference"},
	{"api.fleethub.iot.amazonaws.com", "iotfleethub"},
	{"api.iotdeviceadvisor.amazonaws.com", "iotdeviceadvisor"},
	{"api.iotwireless.amazonaws.com", "iotwireless"},
	{"api.mediatailor.amazonaws.com", "mediatailor"},
	{"api.pricing.amazonaws.com", "pricing"},
	{"api.sagemaker.amazonaws.com", "sagemaker"},
	{"api.tunneling.iot.amazonaws.com", "iot"},
	{"appconfigdata.amazonaws.com", "appconfig"},
	{"application-insights.amazonaws.com", "applicationinsights"},
	{"appstream2.amazonaws.com", "appstream"},
	{"bedrock-agent-runtime.amazonaws.com", "bedrock"},
	{"bedrock-agent.amazonaws.com", "bedrock"},
	{"bedrock-runtime.amazonaws.com", "bedrock"},
	{"billingconsole.amazonaws.com", "billing"},
	{"catalog.marketplace.amazonaws.com", "aws-marketplace"},
	{"chime-sdk-identity.amazonaws.com", "chime"},
	{"chime-sdk-media-pipelines.amazonaws.com", "chime"},
	{"chime-sdk-meetings.amazonaws.com", "chime"},
	{"chime-sdk-messaging.amazonaws.com", "chime"},
	{"chime-sdk-voice.amazonaws.com", "chime"},
	{"cloudcontrolapi.amazonaws.com", "cloudformation"},
	{"cloudhsmv2.amazonaws.com", "cloudhsm"},
	{"cloudsearchdomain.amazonaws.com", "cloudsearch"},
	{"contact-lens.amazonaws.com", "connect"},
	{"controlplane.payment-cryptography.amazonaws.com", "payment-cryptography"},
	{"data-ats.iot.amazonaws.com", "iot"},
	{"data.iot.amazonaws.com", "iot"},
	{"data.iotevents.amazonaws.com", "iotevents"},
	{"data.jobs.iot.amazonaws.com", "iotjobsdata"},
	{"data.mediastore.amazonaws.com", "mediastore"},
	{"data.qapps.amazonaws.com", "qapps"},
	{"dataplane.payment-cryptography.amazonaws.com", "payment-cryptography"},
	{"deployment-marketplace.amazonaws.com", "aws-marketplace"},
	{"devices.iot1click.amazonaws.com", "iot1click"},
	{"discovery-marketplace.amazonaws.com", "aws-marketplace"},
	{"edge.sagemaker.amazonaws.com", "sagemaker"},
	{"email.amazonaws.com", "ses"},
	{"entitlement.marketplace.amazonaws.com", "aws-marketplace"},
	{"featurestore-runtime.sagemaker.amazonaws.com", "sagemaker"},
	{"forecastquery.amazonaws.com", "forecast"},
	{"identity-chime.amazonaws.com", "chime"},
	{"ingest.timestream.amazonaws.com", "timestream"},
	{"iotdata.amazonaws.com", "iot"},
	{"ioteventsdata.amazonaws.com", "iotevents"},
	{"ivsrealtime.amazonaws.com", "ivs"},
	{"mail-manager.amazonaws.com", "ses"},
	{"management-marketplace.amazonaws.com", "aws-marketplace-management"},
	{"marketplacecatalog.amazonaws.com", "aws-marketplace"},
	{"media-pipelines-chime.amazonaws.com", "chime"},
	{"meetings-chime.amazonaws.com", "chime"},
	{"memory-db.amazonaws.com", "memorydb"},
	{"messaging-chime.amazonaws.com", "chime"},
	{"metering-marketplace.amazonaws.com", "aws-marketplace"},
	{"metering.marketplace.amazonaws.com", "aws-marketplace"},
	{"metrics.sagemaker.amazonaws.com", "sagemaker"},
	{"migrationhub-config.amazonaws.com", "mgh"},
	{"migrationhub.amazonaws.com", "mgh"},
	{"models-v2-lex.amazonaws.com", "lex"},
	{"models.lex.amazonaws.com", "lex"},
	{"monitoring.amazonaws.com", "cloudwatch"},
	{"mturk-requester.amazonaws.com", "mechanicalturk"},
	{"oidc.amazonaws.com", "sso-oauth"},
	{"opensearchservice.amazonaws.com", "es"},
	{"participant-connect.amazonaws.com", "connect"},
	{"participant.connect.amazonaws.com", "connect"},
	{"personalize-events.amazonaws.com", "personalize"},
	{"personalize-runtime.amazonaws.com", "personalize"},
	{"pinpoint.amazonaws.com", "mobiletargeting"},
	{"portal.sso.amazonaws.com", "sso"},
	{"pricelist.amazonaws.com", "pricing"},
	{"projects.iot1click.amazonaws.com", "iot1click"},
	{"qconnect.amazonaws.com", "wisdom"},
	{"query.timestream.amazonaws.com", "timestream"},
	{"rdsdata.amazonaws.com", "rds-data"},
	{"reporting-marketplace.amazonaws.com", "aws-marketplace"},
	{"runtime-v2-lex.amazonaws.com", "lex"},
	{"runtime.lex.amazonaws.com", "lex"},
	{"runtime.sagemaker.amazonaws.com", "sagemaker"},
	{"s3-control.amazonaws.com", "s3"},
	{"servicecatalog-appregistry.amazonaws.com", "servicecatalog"},
	{"session.qldb.amazonaws.com", "qldb"},
	{"streams.dynamodb.amazonaws.com", "dynamodb"},
	{"sync-states.amazonaws.com", "states"},
	{"tagging.amazonaws.com", "tag"},
	{"taxconsole.amazonaws.com", "tax"},
	{"transcribestreaming.amazonaws.com", "transcribe"},
	{"voice-chime.amazonaws.com", "chime"},
}

func TestEventSourceMap(t *testing.T) {
	c := Default()
	want := map[string]string{}
	for _, e := range eventSourceExceptions {
		src, ns := e[0], e[1]
		want[src] = ns
		if got, known := c.NamespaceForEventSource(src); got != ns || !known {
			t.Errorf("NamespaceForEventSource(%q) = %q, %v; want %q, true", src, got, known, ns)
		}
		if got, _ := c.NamespaceForEventSource(strings.ToUpper(src)); got != ns {
			t.Errorf("%s in upper case: %q, want %q", src, got, ns)
		}
		if first, _, _ := strings.Cut(src, "."); first == ns {
			t.Errorf("%s: its first label is its namespace; it is no exception", src)
		}
	}
	for _, s := range c.Services() {
		for _, src := range s.EventSources {
			first, _, _ := strings.Cut(src, ".")
			if first != s.Namespace && want[src] != s.Namespace {
				t.Errorf("catalog maps %s to %s, which the list lacks", src, s.Namespace)
			}
		}
	}
}
