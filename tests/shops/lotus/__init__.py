"""荷花花坊: an Alipay page-pay flower shop with WeChat Pay (H5) as its backup (issue 15)."""
