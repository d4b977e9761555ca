def test_it_serves_the_login_page(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "试点通" in response.content.decode()
