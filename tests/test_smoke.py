from tests.conftest import Org
from tests.fixtures.api import Api


async def test_viewer_query_names_the_organization_and_role(admin: Api, org: Org) -> None:
    data = await admin("{ viewer { role organization { id slug } } }")
    assert data["viewer"] == {"role": "ADMIN", "organization": {"id": org.gid, "slug": org.slug}}
