"""Pages of the 小快轻准 catalogue, at /c/<city_code>/catalogue/."""

from django.urls import path

from providers.catalogue_views import (
    ProductCreatePage,
    ProductDetailPage,
    ProductEditPage,
    ProductListingPage,
    ProductListPage,
)

urlpatterns = [
    path("", ProductListPage.as_view(), name="product-list"),
    path("new/", ProductCreatePage.as_view(), name="product-create"),
    path("<int:pk>/", ProductDetailPage.as_view(), name="product-detail"),
    path("<int:pk>/edit/", ProductEditPage.as_view(), name="product-edit"),
    path("<int:pk>/listing/", ProductListingPage.as_view(), name="product-listing"),
]
