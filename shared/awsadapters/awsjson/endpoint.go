package awsjson

import "strings"

// Endpoint is https://<prefix>.<region>.amazonaws.com (.com.cn in the China regions), the
// regional endpoint of a service. https://docs.aws.amazon.com/general/latest/gr/rande.html
func Endpoint(prefix, region string) string {
	domain := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://" + prefix + "." + region + "." + domain
}
