"""``omegats.connect()``: the platform as one object, as omega-ml's ``om``."""

from typing import Any, Dict, Optional

from ._http import Http
from .credentials import resolve_credentials
from .datasets import Datasets
from .files import Files
from .jobs import Jobs
from .models import Models
from .runtime import Runtime
from .scripts import Scripts


class Omega:
    """``om.datasets``, ``om.files``, ``om.models``, ``om.scripts``, ``om.jobs``, ``om.runtime``;
    ``om.bucket('prod')`` for a bucket."""

    def __init__(
        self,
        http: Http,
        tenant: Optional[str] = None,
        use_pandas: Optional[bool] = None,
        use_arrow: Optional[bool] = None,
    ) -> None:
        self._http = http
        self._use_pandas = use_pandas
        self._use_arrow = use_arrow
        self.tenant = tenant
        self.datasets = Datasets(http, use_pandas, use_arrow)
        self.files = Files(http)
        self.models = Models(http)
        self.scripts = Scripts(http)
        self.jobs = Jobs(http)
        self.runtime = Runtime(http, use_pandas=use_pandas)

    @property
    def url(self) -> str:
        """The platform's base URL."""
        return self._http.url

    @property
    def userid(self) -> str:
        """Whose key this connection sends."""
        return self._http.userid

    @property
    def bucket_name(self) -> str:
        """The bucket this connection works in."""
        return self._http.bucket or "default"

    def bucket(self, name: str) -> "Omega":
        """The same connection working in another bucket (the ``Bucket`` header)."""
        return Omega(self._http.scoped(bucket=name), self.tenant, self._use_pandas, self._use_arrow)

    def qualifier(self, name: str) -> "Omega":
        """The same connection working in another environment of the tenant (the ``Qualifier`` header)."""
        return Omega(self._http.scoped(qualifier=name), self.tenant, self._use_pandas, self._use_arrow)

    def config(self) -> Dict[str, Any]:
        """The platform's settings for this client: URL, tenant, role, worker labels, version."""
        return self._http.json("GET", "/api/v1/config")

    def __repr__(self) -> str:
        who = f"url={self.url!r}, userid={self.userid!r}, tenant={self.tenant!r}"
        return f"Omega({who}, bucket={self.bucket_name!r})"


def connect(
    url: Optional[str] = None,
    userid: Optional[str] = None,
    apikey: Optional[str] = None,
    bucket: Optional[str] = None,
    qualifier: Optional[str] = None,
    credentials_file: Optional[str] = None,
    verify: bool = True,
    use_pandas: Optional[bool] = None,
    timeout: float = 300.0,
    use_arrow: Optional[bool] = None,
) -> Omega:
    """Connects with explicit arguments, else ``OMEGA_URL``/``OMEGA_USERID``/``OMEGA_APIKEY``, else the
    credentials.json the API writes on its first start (``$OMEGA_DATA_DIR`` or ``./.omega``).

    With ``verify`` (default) the platform is asked who we are, so bad credentials fail here. ``use_pandas``
    False answers records even when pandas is installed. DataFrames travel as Parquet when pyarrow is
    installed (``use_arrow`` False keeps them to JSON and CSV).
    """
    found = resolve_credentials(url, userid, apikey, credentials_file)
    http = Http(found.url, found.userid, found.apikey, bucket, qualifier, timeout)
    tenant = found.tenant
    if verify:
        tenant = http.json("GET", "/api/v1/config")["tenant"]
    return Omega(http, tenant, use_pandas, use_arrow)
