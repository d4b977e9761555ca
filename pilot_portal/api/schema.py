"""OpenAPI: document the error answers every client must handle (API.md's status codes)."""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "description": "中文说明 / English explanation. A 400 names each invalid field instead.",
}


def _response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if method in {"post", "put", "patch"}:
                responses.setdefault("400", _response("Invalid input / 输入有误"))
            if path != "/api/v1/auth/token/":
                responses.setdefault(
                    "401", _response("No or expired credentials / 未登录或令牌过期")
                )
            if "{city_code}" in path:
                responses.setdefault("403", _response("The role may not do this / 角色无权操作"))
                responses.setdefault(
                    "404", _response("No such city or object, or not visible / 不存在或无权查看")
                )
            if method == "post" and path.endswith("/{action}/"):
                responses.setdefault(
                    "409", _response("Not allowed in the current state / 状态冲突")
                )
    return result
