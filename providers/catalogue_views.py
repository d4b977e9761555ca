"""Pages of the 小快轻准 catalogue: search it, read a solution, publish or edit one (its
provider), list or unlist one (the city admin)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from providers import catalogue, selectors
from providers.catalogue_forms import ListingForm, ProductFilterForm, ProductForm
from providers.models import Provider

PAGE_SIZE = 50


def _show(form, error: PortalError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def product_for(request, pk):
    """A solution this user may see in the city (404 for another city's or a hidden one)."""
    product = (
        selectors.product_search(city=request.city, user=request.user)
        .select_related("created_by")
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise Http404("产品不存在 / no such solution")
    return product


class ProductListPage(CityPageMixin):
    action_required = "product.view"

    def get(self, request, city_code):
        reviewer = policy.can(request.user, "product.review", city=request.city)
        own = policy.provider_ids_in(request.user, request.city)
        form = ProductFilterForm(
            request.GET or None, city=request.city, show_status=reviewer or bool(own)
        )
        if form.is_bound and not form.is_valid():
            products = selectors.product_search(city=request.city, user=request.user).none()
        else:
            products = selectors.product_search(
                city=request.city, user=request.user, **form.filters()
            )
        page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "providers/catalogue/product_list.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "show_status": reviewer or bool(own),
                "can_create": bool(own) and policy.can(request.user, "product.create",
                                                       city=request.city),
            },
        )  # fmt: skip


def _detail(request, pk, listing_form=None):
    product = product_for(request, pk)
    reviewer = policy.can(request.user, "product.review", city=request.city)
    own = product.provider_id in policy.provider_ids_in(request.user, request.city)
    return render(
        request,
        "providers/catalogue/product_detail.html",
        {
            "product": product,
            "show_status": reviewer or own,
            "can_edit": own,
            "listing_form": (listing_form or ListingForm()) if reviewer else None,
        },
    )


class ProductDetailPage(CityPageMixin):
    action_required = "product.view"

    def get(self, request, city_code, pk):
        return _detail(request, pk)


class ProductCreatePage(CityPageMixin):
    action_required = "product.create"

    def _form(self, request, data=None):
        providers = Provider.objects.filter(
            pk__in=policy.provider_ids_in(request.user, request.city)
        ).order_by("name")
        return ProductForm(data, city=request.city, providers=list(providers))

    def get(self, request, city_code):
        context = {"form": self._form(request)}
        return render(request, "providers/catalogue/product_form.html", context)

    def post(self, request, city_code):
        form = self._form(request, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            provider_id = data.pop("provider", None)
            provider = Provider.objects.filter(pk=provider_id).first() if provider_id else None
            try:
                product = catalogue.product_create(
                    city=request.city, actor=request.user, data=data, provider=provider
                )
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Solution submitted; the city lists it after review."))
                return redirect("product-detail", city_code=city_code, pk=product.pk)
        return render(request, "providers/catalogue/product_form.html", {"form": form})


class ProductEditPage(CityPageMixin):
    action_required = "product.create"

    def _product(self, request, pk):
        product = product_for(request, pk)
        if product.provider_id not in policy.provider_ids_in(request.user, request.city):
            raise PermissionDenied("只有发布该产品的服务商可以修改 / only its provider edits it")
        return product

    def _form(self, request, product, data=None):
        initial = {name: getattr(product, name) for name in catalogue.FIELDS}
        initial["sectors"] = [s.code for s in product.sectors.all()]
        return ProductForm(data, initial=initial, city=request.city)

    def get(self, request, city_code, pk):
        product = self._product(request, pk)
        context = {"form": self._form(request, product), "product": product}
        return render(request, "providers/catalogue/product_form.html", context)

    def post(self, request, city_code, pk):
        product = self._product(request, pk)
        form = self._form(request, product, request.POST)
        if form.is_valid():
            try:
                catalogue.product_update(
                    product=product, actor=request.user, data=form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Solution saved."))
                return redirect("product-detail", city_code=city_code, pk=pk)
        context = {"form": form, "product": product}
        return render(request, "providers/catalogue/product_form.html", context)


class ProductListingPage(CityPageMixin):
    """The city admin lists a solution, or unlists it with a reason."""

    action_required = "product.review"

    def post(self, request, city_code, pk):
        product = product_for(request, pk)
        form = ListingForm(request.POST)
        if form.is_valid():
            try:
                catalogue.product_set_listed(
                    product=product, actor=request.user,
                    listed=form.cleaned_data["action"] == "list",
                    reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Listing updated."))
                return redirect("product-detail", city_code=city_code, pk=pk)
        return _detail(request, pk, listing_form=form)
