"""The case page's evidence photos: uploading one from the page (a plain multipart form, no
JavaScript) and showing them back to the signed-in customer."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from returns_service.adapters.storage import PhotoStorageUnavailable
from returns_service.api.photos import PHOTO_BODY_LIMIT, photo_response
from returns_service.domain.access import Caller
from returns_service.domain.errors import DomainError
from returns_service.services.cases import photos
from returns_service.services.platform.runtime import Runtime
from returns_service.translation import Translator
from returns_service.web.pages import SignedInPortal, case_page


class PortalPhotoPages(SignedInPortal):
    path = "/portal/returns/{number:str}/photos"

    @post("/", request_max_body_size=PHOTO_BODY_LIMIT)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        upload = (await request.form()).get("photo")
        if not isinstance(upload, UploadFile):
            return await case_page(
                request, caller, t, runtime, number, error=t("case.photo_missing")
            )
        try:
            await photos.add_photo(
                caller,
                number,
                await upload.read(),
                upload.content_type,
                "customer",
                runtime.photos,
                runtime.clock,
            )
        except DomainError:
            return await case_page(
                request, caller, t, runtime, number, error=t("case.photo_refused")
            )
        except PhotoStorageUnavailable:  # S3 down: the page says so, not a JSON problem
            return await case_page(
                request, caller, t, runtime, number, error=t("case.photo_unavailable")
            )
        return Redirect(f"/portal/returns/{number}?photo=1#photos", status_code=303)

    @get("/{photo_id:int}")
    async def show(
        self,
        caller: NamedDependency[Caller],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
        photo_id: FromPath[int],
    ) -> Response[bytes]:
        return photo_response(await photos.photo_file(caller, number, photo_id, runtime.photos))
