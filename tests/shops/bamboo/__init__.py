"""竹林面馆 (Bamboo Grove noodles): a QR-code shop, WeChat Pay Native first, Alipay precreate as backup
(docs/flows/qr.md). Run it with `paychaos run --target tests/shops/bamboo/target.yaml`."""
