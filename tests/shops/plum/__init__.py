"""梅子茶铺 (plum): a small Flask shop that takes Alipay barcode payments (当面付), written twice over the
same pages: once on the official `alipay-sdk-python` (sdk_official.py), once on the community
`python-alipay-sdk` (sdk_community.py). Target files: target-official.yaml, target-community.yaml.
Planted defects: PLUM_DEFECTS=notify_unverified,not_exist_unpaid,new_out_trade_no (tests/shops/README.md)."""
