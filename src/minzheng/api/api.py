"""The API root: one NinjaAPI that mounts each app's router under /api/."""

from __future__ import annotations

from ninja import NinjaAPI

from minzheng.accounts.api_auth import TokenOrSessionAuth

api = NinjaAPI(
    title="民政协同增效平台 API",
    version="1",
    description=(
        "供协同部门系统与平台内页面使用的接口；范围规则与页面相同。"
        "调用方式：请求头 Authorization: Bearer <令牌>（由系统管理员签发），或已登录的浏览器会话。"
    ),
    urls_namespace="api",
    auth=TokenOrSessionAuth(),
)

api.add_router("/accounts/", "minzheng.accounts.api.router")

api.add_router("/audit/", "minzheng.audit.api.router")
api.add_router("/divisions/", "minzheng.divisions.api.router")
api.add_router("/registry/", "minzheng.registry.api.router")
api.add_router("/registry/imports/", "minzheng.registry.ingest.api.router")
api.add_router("/monitoring/", "minzheng.monitoring.api.router")
api.add_router("/cases/", "minzheng.cases.api.router")
