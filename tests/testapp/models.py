"""Models that only the tests need.

Each app's tests add their models in a module of their own, imported here.
"""

from tests.testapp.models_batchops import *  # noqa: E402, F401, F403
from tests.testapp.models_pager import *  # noqa: E402, F401, F403
