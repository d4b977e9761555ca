"""products/ under /api/v1/cities/<city_code>/ (the 小快轻准 catalogue)."""

from django.urls import path

from providers.catalogue_api import ProductDetailAPI, ProductListAPI, ProductListingAPI

urlpatterns = [
    path("products/", ProductListAPI.as_view(), name="product-list"),
    path("products/<int:pk>/", ProductDetailAPI.as_view(), name="product-detail"),
    path("products/<int:pk>/list/", ProductListingAPI.as_view(listed=True), name="product-list-in"),
    path(
        "products/<int:pk>/unlist/", ProductListingAPI.as_view(listed=False), name="product-unlist"
    ),
]
