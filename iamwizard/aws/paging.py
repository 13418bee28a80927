"""One paginator over IAM's list calls (Marker / IsTruncated), used by the steps, the policy
catalogue and the clean-up.

IAM answers a list call a page at a time: `IsTruncated` says more follow, and `Marker` asks for
the next page. The calls themselves go through whatever makes one call (a step context's
`ctx.iam`, the clean-up's caller), so every page keeps the gateway's error explanations, its
eventual-consistency waits and its call log.
"""


def paginate(iam, operation, key, **params):
    """Every item under `key` of the paged IAM list call `operation`, in AWS's order.

    `iam(operation, **params)` makes one call and returns its answer. A `Marker` among `params`
    starts from that page (for a caller that already holds the first one).
    """
    items = []
    while True:
        page = iam(operation, **params)
        items += page.get(key, [])
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            return items
        params["Marker"] = marker
