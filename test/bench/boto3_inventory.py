"""The baseline a strong Python user writes for an EC2 inventory: one process, boto3, a
thread per region, paginated at the checker's page size, counting live instances.

  python boto3_inventory.py describe_instances|describe_instance_status EXPECTED REGION...

--call describe_instance_status makes the checker's own call (IncludeAllInstances, the
live-state filter); describe_instances lists the same instances in full. It exits 1 when
the count differs from EXPECTED, so a timing is never taken of a wrong answer. The
endpoint and keys come from the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID...).
"""

import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

LIVE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"]
FILTERS = [{"Name": "instance-state-name", "Values": LIVE_STATES}]
PAGE = {"PageSize": 1000}


def count_instances(client):
    pages = client.get_paginator("describe_instances").paginate(
        Filters=FILTERS, PaginationConfig=PAGE
    )
    return sum(
        len(reservation["Instances"])
        for page in pages
        for reservation in page["Reservations"]
    )


def count_statuses(client):
    pages = client.get_paginator("describe_instance_status").paginate(
        IncludeAllInstances=True, Filters=FILTERS, PaginationConfig=PAGE
    )
    return sum(len(page["InstanceStatuses"]) for page in pages)


CALLS = {"describe_instances": count_instances, "describe_instance_status": count_statuses}


def main():
    call, expected, regions = CALLS[sys.argv[1]], int(sys.argv[2]), sys.argv[3:]
    session = boto3.session.Session()
    # Clients are made on one thread (sessions are not thread-safe) and used on many.
    clients = [session.client("ec2", region_name=region) for region in regions]
    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        total = sum(pool.map(call, clients))
    print(total)
    if total != expected:
        sys.exit(f"counted {total} instances, expected {expected}")


main()
