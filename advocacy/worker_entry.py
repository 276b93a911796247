"""What ``dramatiq`` imports in worker processes: the broker, then every module with actors."""

from advocacy.config import require_settings

require_settings()  # `dramatiq advocacy.worker_entry` started by hand: refuse unfit settings

from advocacy.kit.jobs import get_broker  # noqa: E402

broker = get_broker()

import advocacy.engagement.jobs  # noqa: E402
import advocacy.gifting.jobs  # noqa: E402  (actors register on import)
import advocacy.referrals.jobs  # noqa: E402
import advocacy.rules.jobs  # noqa: E402
import advocacy.webhooks.jobs  # noqa: E402,F401
